// CSoxr: libsoxr, the band-limited resampler (what librosa uses), for audio rate conversion.
#include <soxr.h>
