// CPNG: libpng's C interface, for reading and writing PNG images.
#include <png.h>
