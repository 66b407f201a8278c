// CImageCodecs: see include/image_codecs.h.
#include "image_codecs.h"
#include <png.h>
#include <stdio.h>
#include <jpeglib.h>

const char *factory_image_codecs_png_version(void) {
    return PNG_LIBPNG_VER_STRING;
}
