// CBLAS: OpenBLAS's C interface (cblas_sgemm and friends, openblas_set_num_threads).
#include <cblas.h>
