// CImageCodecs: C wrappers that decode and encode PNG (libpng) and JPEG (libjpeg-turbo)
// with setjmp/longjmp error handling, which Swift cannot do itself. Each function returns
// 0 on success or a negative code, with a message in the caller's buffer; none exits the
// process or jumps past Swift frames. Decoding works on a buffer in memory, so a short
// file is seen as "ran out of data" by this code, never by a read from disk.
// NOT here: colour conversion beyond what the codecs do, scaling to floats, file I/O.
#ifndef FACTORY_IMAGE_CODECS_H
#define FACTORY_IMAGE_CODECS_H

#include <stddef.h>
#include <stdint.h>

/// The version of libpng this shim was compiled against, for diagnostics.
const char *factory_image_codecs_png_version(void);

/// Outcome of a decode or encode call.
enum {
    FACTORY_IMAGE_OK = 0,
    /// The codec reported an error (bad CRC, bad Huffman table, ...); see the message.
    FACTORY_IMAGE_ERROR_CORRUPT = -1,
    /// The data ended before the image did.
    FACTORY_IMAGE_ERROR_TRUNCATED = -2,
    /// The declared width x height exceeds the caller's pixel limit; nothing was allocated.
    FACTORY_IMAGE_ERROR_TOO_LARGE = -3,
    /// A valid file of a kind this shim refuses (for example a CMYK JPEG).
    FACTORY_IMAGE_ERROR_UNSUPPORTED = -4,
    /// malloc failed.
    FACTORY_IMAGE_ERROR_OUT_OF_MEMORY = -5,
    /// The data does not start with this format's signature.
    FACTORY_IMAGE_ERROR_WRONG_FORMAT = -6,
    /// The caller passed invalid arguments (encode only).
    FACTORY_IMAGE_ERROR_INVALID_ARGUMENT = -7,
};

/// A decoded image: interleaved samples, rows packed without padding. On failure `pixels`
/// is NULL, and width and height hold the declared size if the header was read.
typedef struct factory_decoded_image {
    /// malloc'd samples; 8-bit as uint8_t, 16-bit as native-endian uint16_t.
    /// Release with factory_decoded_image_free.
    void *pixels;
    uint32_t width;
    uint32_t height;
    /// 1 grey, 2 grey + alpha, 3 RGB, 4 RGBA.
    uint32_t channels;
    /// 8 or 16: the depth of `pixels` (PNG 1/2/4-bit samples are expanded to 8).
    uint32_t bit_depth;
    /// The file's own bit depth (1, 2, 4, 8 or 16), for diagnostics.
    uint32_t source_bit_depth;
    /// 1 when the PNG was Adam7-interlaced or the JPEG progressive.
    uint32_t interlaced;
} factory_decoded_image;

/// Decodes a PNG held in memory (grey, grey + alpha, RGB, RGBA, palette with or without
/// tRNS; 1 to 16 bits; interlaced or not). Palettes become RGB or RGBA, tRNS becomes an
/// alpha channel, 16-bit samples stay 16-bit. No gamma or colour-profile correction.
/// - max_pixels: refuse width * height above this before allocating any pixel memory.
/// - error_offset: set to the byte offset the decoder had reached when it failed.
int factory_png_decode(const uint8_t *data, size_t size, uint64_t max_pixels,
                       factory_decoded_image *out, size_t *error_offset,
                       char *message, size_t message_capacity);

/// Decodes a baseline or progressive JPEG held in memory to grey (1 channel) or RGB
/// (3 channels), 8-bit. CMYK and YCCK files are refused (FACTORY_IMAGE_ERROR_UNSUPPORTED).
/// A premature end of data or corrupt entropy-coded data, which libjpeg only warns about,
/// is an error here.
int factory_jpeg_decode(const uint8_t *data, size_t size, uint64_t max_pixels,
                        factory_decoded_image *out, size_t *error_offset,
                        char *message, size_t message_capacity);

/// Releases the pixels of a decoded image (safe on a zeroed struct).
void factory_decoded_image_free(factory_decoded_image *image);

/// Encodes interleaved samples as a non-interlaced PNG in memory.
/// - pixels: rows packed; 8-bit as uint8_t, 16-bit as native-endian uint16_t.
/// - channels: 1 grey, 2 grey + alpha, 3 RGB, 4 RGBA. bit_depth: 8 or 16.
/// - compression_level: zlib's level, 0 (stored) to 9 (smallest, slowest).
/// - out_data / out_size: a malloc'd buffer holding the file; release with free().
int factory_png_encode(const void *pixels, uint32_t width, uint32_t height,
                       uint32_t channels, uint32_t bit_depth, int compression_level,
                       uint8_t **out_data, size_t *out_size,
                       char *message, size_t message_capacity);

/// Releases a buffer returned by factory_png_encode.
void factory_encoded_free(uint8_t *data);

#endif
