// CImageCodecs: C wrappers that decode and encode PNG (libpng) and JPEG (libjpeg-turbo)
// with setjmp/longjmp error handling, which Swift cannot do itself. Each function returns
// 0 on success or a negative code, with a message in the caller's buffer; none exits the
// process or jumps past Swift frames.
#ifndef FACTORY_IMAGE_CODECS_H
#define FACTORY_IMAGE_CODECS_H

#include <stddef.h>
#include <stdint.h>

/// The version of libpng this shim was compiled against, for diagnostics.
const char *factory_image_codecs_png_version(void);

#endif
