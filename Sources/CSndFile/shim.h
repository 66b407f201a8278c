// CSndFile: libsndfile's C interface, for reading and writing audio files.
#include <sndfile.h>
