// CJPEG: libjpeg-turbo's libjpeg API, for decoding JPEG photos.
#include <stdio.h>
#include <stddef.h>
#include <jpeglib.h>
