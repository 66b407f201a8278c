// CImageCodecs: see include/image_codecs.h. libpng and libjpeg report fatal errors by
// longjmp (libjpeg's default handler even calls exit()); every call into them happens
// below a setjmp in this file, so an error unwinds to a return code here and never
// reaches Swift frames. Memory allocated before a possible longjmp lives in a state
// struct whose fields are volatile, and is freed on both paths.
#include "image_codecs.h"
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>
#include <jerror.h>

const char *factory_image_codecs_png_version(void) {
    return PNG_LIBPNG_VER_STRING;
}

static void set_message(char *message, size_t capacity, const char *text) {
    if (message == NULL || capacity == 0) return;
    snprintf(message, capacity, "%s", text ? text : "unknown error");
}

void factory_decoded_image_free(factory_decoded_image *image) {
    if (image == NULL) return;
    free(image->pixels);
    image->pixels = NULL;
}

void factory_encoded_free(uint8_t *data) {
    free(data);
}

/// Checks width * height against the limit and computes the byte count of the pixels.
static int checked_pixel_bytes(uint64_t width, uint64_t height, uint64_t channels,
                               uint64_t bytes_per_sample, uint64_t max_pixels,
                               size_t *bytes) {
    if (width == 0 || height == 0) return FACTORY_IMAGE_ERROR_CORRUPT;
    uint64_t pixels = width * height;  // both < 2^32, so no overflow in 64 bits
    if (pixels > max_pixels) return FACTORY_IMAGE_ERROR_TOO_LARGE;
    uint64_t total = pixels * channels * bytes_per_sample;
    if (pixels != 0 && total / pixels != channels * bytes_per_sample) return FACTORY_IMAGE_ERROR_TOO_LARGE;
    if (total > (uint64_t)SIZE_MAX) return FACTORY_IMAGE_ERROR_TOO_LARGE;
    *bytes = (size_t)total;
    return FACTORY_IMAGE_OK;
}

// MARK: - PNG decoding

typedef struct png_read_state {
    const uint8_t *data;
    size_t size;
    size_t offset;
    int ran_out;
    char *message;
    size_t message_capacity;
    void *volatile pixels;
    png_bytep *volatile rows;
} png_read_state;

static void png_read_from_memory(png_structp png, png_bytep destination, size_t length) {
    png_read_state *state = (png_read_state *)png_get_io_ptr(png);
    if (length > state->size - state->offset) {
        state->ran_out = 1;
        png_error(png, "unexpected end of data");
    }
    memcpy(destination, state->data + state->offset, length);
    state->offset += length;
}

static void png_record_error(png_structp png, png_const_charp text) {
    png_read_state *state = (png_read_state *)png_get_error_ptr(png);
    set_message(state->message, state->message_capacity, text);
    png_longjmp(png, 1);
}

static void png_ignore_warning(png_structp png, png_const_charp text) {
    (void)png;
    (void)text;
}

int factory_png_decode(const uint8_t *data, size_t size, uint64_t max_pixels,
                       factory_decoded_image *out, size_t *error_offset,
                       char *message, size_t message_capacity) {
    memset(out, 0, sizeof(*out));
    *error_offset = 0;
    if (size < 8 || png_sig_cmp((png_const_bytep)data, 0, 8) != 0) {
        set_message(message, message_capacity, "not a PNG file (the 8-byte PNG signature is missing)");
        return FACTORY_IMAGE_ERROR_WRONG_FORMAT;
    }
    png_read_state state;
    memset(&state, 0, sizeof(state));
    state.data = data;
    state.size = size;
    state.message = message;
    state.message_capacity = message_capacity;

    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &state,
                                             png_record_error, png_ignore_warning);
    if (png == NULL) {
        set_message(message, message_capacity, "libpng could not allocate its decoder");
        return FACTORY_IMAGE_ERROR_OUT_OF_MEMORY;
    }
    png_infop info = png_create_info_struct(png);
    if (info == NULL) {
        png_destroy_read_struct(&png, NULL, NULL);
        set_message(message, message_capacity, "libpng could not allocate its decoder");
        return FACTORY_IMAGE_ERROR_OUT_OF_MEMORY;
    }
    volatile int status = FACTORY_IMAGE_ERROR_CORRUPT;
    if (setjmp(png_jmpbuf(png))) {
        free(state.pixels);
        free(state.rows);
        png_destroy_read_struct(&png, &info, NULL);
        *error_offset = state.offset;
        if (state.ran_out) return FACTORY_IMAGE_ERROR_TRUNCATED;
        return status;
    }
    png_set_read_fn(png, &state, png_read_from_memory);
    // Our own limit on width * height applies below; lift libpng's 1,000,000 per side so
    // oversized images are reported by that one check.
    png_set_user_limits(png, 0x7fffffff, 0x7fffffff);
    // A bad checksum on any chunk is an error (libpng only drops ancillary chunks, which
    // would silently lose a tRNS transparency table); PIL is just as strict.
    png_set_crc_action(png, PNG_CRC_DEFAULT, PNG_CRC_ERROR_QUIT);
    png_read_info(png, info);

    png_uint_32 width = 0, height = 0;
    int bit_depth = 0, color_type = 0, interlace = 0;
    png_get_IHDR(png, info, &width, &height, &bit_depth, &color_type, &interlace, NULL, NULL);
    out->width = width;  // reported even on failure, for the too-large message
    out->height = height;
    out->source_bit_depth = (uint32_t)bit_depth;
    out->interlaced = interlace != PNG_INTERLACE_NONE;

    // The decoded layout, known from the header alone: the checks below must run before
    // png_read_update_info, which allocates (and zeroes) row buffers sized by the width.
    int has_trns = png_get_valid(png, info, PNG_INFO_tRNS) != 0;
    uint32_t file_channels = png_get_channels(png, info);
    uint32_t channels = (color_type == PNG_COLOR_TYPE_PALETTE) ? 3 : file_channels;
    if (has_trns && (color_type & PNG_COLOR_MASK_ALPHA) == 0) channels += 1;
    uint32_t depth = bit_depth == 16 ? 16 : 8;
    size_t pixel_bytes = 0;
    int check = checked_pixel_bytes(width, height, channels, depth / 8, max_pixels, &pixel_bytes);
    if (check != FACTORY_IMAGE_OK) {
        char text[200];
        snprintf(text, sizeof(text), "the PNG declares %u x %u pixels, above the limit of %llu pixels",
                 (unsigned)width, (unsigned)height, (unsigned long long)max_pixels);
        set_message(message, message_capacity, text);
        status = check;
        png_longjmp(png, 1);
    }
    // zlib cannot expand data more than 1032:1, so the file must hold at least
    // (packed image bytes) / 1032 more bytes; a header declaring more is lying, and is
    // refused before anything is allocated for it.
    double packed_bytes = (double)width * (double)height * file_channels * bit_depth / 8.0;
    uint64_t remaining = (uint64_t)(state.size - state.offset);
    if (packed_bytes / 1032.0 > (double)remaining + 1024.0) {
        char text[200];
        snprintf(text, sizeof(text), "it declares %u x %u pixels but only %llu bytes follow the header",
                 (unsigned)width, (unsigned)height, (unsigned long long)remaining);
        set_message(message, message_capacity, text);
        state.ran_out = 1;
        png_longjmp(png, 1);
    }

    if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (has_trns) png_set_tRNS_to_alpha(png);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (bit_depth == 16) png_set_swap(png);
#endif
    (void)png_set_interlace_handling(png);
    png_read_update_info(png, info);
    if (png_get_channels(png, info) != channels || png_get_bit_depth(png, info) != depth) {
        set_message(message, message_capacity, "libpng decoded to an unexpected layout");
        png_longjmp(png, 1);
    }
    size_t row_bytes = png_get_rowbytes(png, info);
    if (row_bytes != (size_t)width * channels * (depth / 8)) {
        set_message(message, message_capacity, "libpng reported an unexpected row size");
        png_longjmp(png, 1);
    }
    state.pixels = malloc(pixel_bytes);
    state.rows = (png_bytep *)malloc(sizeof(png_bytep) * (size_t)height);
    if (state.pixels == NULL || state.rows == NULL) {
        set_message(message, message_capacity, "out of memory for the decoded pixels");
        status = FACTORY_IMAGE_ERROR_OUT_OF_MEMORY;
        png_longjmp(png, 1);
    }
    for (png_uint_32 row = 0; row < height; row++) {
        state.rows[row] = (png_bytep)state.pixels + (size_t)row * row_bytes;
    }
    png_read_image(png, state.rows);
    png_read_end(png, NULL);

    free(state.rows);
    state.rows = NULL;
    png_destroy_read_struct(&png, &info, NULL);
    out->pixels = state.pixels;
    out->width = width;
    out->height = height;
    out->channels = channels;
    out->bit_depth = depth;
    return FACTORY_IMAGE_OK;
}

// MARK: - PNG encoding

typedef struct png_write_state {
    uint8_t *volatile buffer;
    size_t size;
    size_t capacity;
    int out_of_memory;
    char *message;
    size_t message_capacity;
} png_write_state;

static void png_write_to_memory(png_structp png, png_bytep source, size_t length) {
    png_write_state *state = (png_write_state *)png_get_io_ptr(png);
    if (length > state->capacity - state->size) {
        size_t wanted = state->capacity ? state->capacity : 4096;
        while (wanted - state->size < length) {
            if (wanted > SIZE_MAX / 2) { state->out_of_memory = 1; png_error(png, "PNG too large"); }
            wanted *= 2;
        }
        uint8_t *grown = (uint8_t *)realloc(state->buffer, wanted);
        if (grown == NULL) { state->out_of_memory = 1; png_error(png, "out of memory"); }
        state->buffer = grown;
        state->capacity = wanted;
    }
    memcpy(state->buffer + state->size, source, length);
    state->size += length;
}

static void png_flush_nothing(png_structp png) { (void)png; }

static void png_write_record_error(png_structp png, png_const_charp text) {
    png_write_state *state = (png_write_state *)png_get_error_ptr(png);
    set_message(state->message, state->message_capacity, text);
    png_longjmp(png, 1);
}

int factory_png_encode(const void *pixels, uint32_t width, uint32_t height,
                       uint32_t channels, uint32_t bit_depth, int compression_level,
                       uint8_t **out_data, size_t *out_size,
                       char *message, size_t message_capacity) {
    *out_data = NULL;
    *out_size = 0;
    if (pixels == NULL || width == 0 || height == 0 || width > 0x7fffffff || height > 0x7fffffff
        || channels < 1 || channels > 4 || (bit_depth != 8 && bit_depth != 16)
        || compression_level < 0 || compression_level > 9) {
        set_message(message, message_capacity, "invalid PNG encode arguments");
        return FACTORY_IMAGE_ERROR_INVALID_ARGUMENT;
    }
    static const int color_types[5] = {0, PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA,
                                       PNG_COLOR_TYPE_RGB, PNG_COLOR_TYPE_RGB_ALPHA};
    png_write_state state;
    memset(&state, 0, sizeof(state));
    state.message = message;
    state.message_capacity = message_capacity;
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &state,
                                              png_write_record_error, png_ignore_warning);
    if (png == NULL) {
        set_message(message, message_capacity, "libpng could not allocate its encoder");
        return FACTORY_IMAGE_ERROR_OUT_OF_MEMORY;
    }
    png_infop info = png_create_info_struct(png);
    if (info == NULL) {
        png_destroy_write_struct(&png, NULL);
        set_message(message, message_capacity, "libpng could not allocate its encoder");
        return FACTORY_IMAGE_ERROR_OUT_OF_MEMORY;
    }
    if (setjmp(png_jmpbuf(png))) {
        free(state.buffer);
        png_destroy_write_struct(&png, &info);
        return state.out_of_memory ? FACTORY_IMAGE_ERROR_OUT_OF_MEMORY : FACTORY_IMAGE_ERROR_CORRUPT;
    }
    png_set_write_fn(png, &state, png_write_to_memory, png_flush_nothing);
    png_set_compression_level(png, compression_level);
    png_set_IHDR(png, info, width, height, (int)bit_depth, color_types[channels],
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (bit_depth == 16) png_set_swap(png);
#endif
    size_t row_bytes = (size_t)width * channels * (bit_depth / 8);
    for (uint32_t row = 0; row < height; row++) {
        png_write_row(png, (png_const_bytep)pixels + (size_t)row * row_bytes);
    }
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    *out_data = state.buffer;
    *out_size = state.size;
    return FACTORY_IMAGE_OK;
}

// MARK: - JPEG decoding

typedef struct jpeg_error_state {
    struct jpeg_error_mgr manager;  // first, so a j_common_ptr's err casts to this struct
    jmp_buf jump;
    char *message;
    size_t message_capacity;
    int status;
} jpeg_error_state;

static void jpeg_record_error(j_common_ptr cinfo) {
    jpeg_error_state *state = (jpeg_error_state *)cinfo->err;
    char text[JMSG_LENGTH_MAX];
    (*cinfo->err->format_message)(cinfo, text);
    set_message(state->message, state->message_capacity, text);
    longjmp(state->jump, 1);
}

/// libjpeg only warns about truncated or corrupt entropy-coded data and fills the rest of
/// the image with grey; here such a warning is an error. Extraneous bytes before a marker,
/// which some cameras write, stay a warning.
static void jpeg_record_message(j_common_ptr cinfo, int level) {
    if (level >= 0) return;  // trace messages
    if (cinfo->err->msg_code == JWRN_EXTRANEOUS_DATA) return;
    jpeg_error_state *state = (jpeg_error_state *)cinfo->err;
    if (cinfo->err->msg_code == JWRN_JPEG_EOF) state->status = FACTORY_IMAGE_ERROR_TRUNCATED;
    jpeg_record_error(cinfo);
}

static void jpeg_print_nothing(j_common_ptr cinfo) { (void)cinfo; }

/// Bounds the work a hostile progressive JPEG can ask for (libjpeg-turbo's advice).
static void jpeg_limit_scans(j_common_ptr cinfo) {
    if (cinfo->is_decompressor && ((j_decompress_ptr)cinfo)->input_scan_number > 500) {
        jpeg_error_state *state = (jpeg_error_state *)cinfo->err;
        set_message(state->message, state->message_capacity,
                    "the progressive JPEG has more than 500 scans");
        longjmp(state->jump, 1);
    }
}

typedef struct jpeg_decode_buffers {
    uint8_t *volatile pixels;
} jpeg_decode_buffers;

int factory_jpeg_decode(const uint8_t *data, size_t size, uint64_t max_pixels,
                        factory_decoded_image *out, size_t *error_offset,
                        char *message, size_t message_capacity) {
    memset(out, 0, sizeof(*out));
    *error_offset = 0;
    if (size < 3 || data[0] != 0xFF || data[1] != 0xD8 || data[2] != 0xFF) {
        set_message(message, message_capacity, "not a JPEG file (the FF D8 FF start-of-image marker is missing)");
        return FACTORY_IMAGE_ERROR_WRONG_FORMAT;
    }
    struct jpeg_decompress_struct cinfo;
    jpeg_error_state errors;
    struct jpeg_progress_mgr progress;
    jpeg_decode_buffers buffers;
    memset(&cinfo, 0, sizeof(cinfo));
    memset(&errors, 0, sizeof(errors));
    memset(&buffers, 0, sizeof(buffers));
    cinfo.err = jpeg_std_error(&errors.manager);
    errors.manager.error_exit = jpeg_record_error;
    errors.manager.emit_message = jpeg_record_message;
    errors.manager.output_message = jpeg_print_nothing;
    errors.message = message;
    errors.message_capacity = message_capacity;
    errors.status = FACTORY_IMAGE_ERROR_CORRUPT;
    if (setjmp(errors.jump)) {
        if (cinfo.src != NULL) *error_offset = size - cinfo.src->bytes_in_buffer;
        free(buffers.pixels);
        jpeg_destroy_decompress(&cinfo);
        return errors.status;
    }
    jpeg_create_decompress(&cinfo);
    progress.progress_monitor = jpeg_limit_scans;
    cinfo.progress = &progress;
    jpeg_mem_src(&cinfo, (const unsigned char *)data, (unsigned long)size);
    if (jpeg_read_header(&cinfo, TRUE) != JPEG_HEADER_OK) {
        errors.status = FACTORY_IMAGE_ERROR_TRUNCATED;
        set_message(message, message_capacity, "the JPEG ends before its first image");
        longjmp(errors.jump, 1);
    }
    out->width = cinfo.image_width;  // reported even on failure, for the too-large message
    out->height = cinfo.image_height;
    if (cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK) {
        errors.status = FACTORY_IMAGE_ERROR_UNSUPPORTED;
        set_message(message, message_capacity,
                    "the JPEG is CMYK (print colour); convert it to RGB first, e.g. with an image editor");
        longjmp(errors.jump, 1);
    }
    if (cinfo.num_components == 1) {
        cinfo.out_color_space = JCS_GRAYSCALE;
    } else if (cinfo.num_components == 3) {
        cinfo.out_color_space = JCS_RGB;
    } else {
        errors.status = FACTORY_IMAGE_ERROR_UNSUPPORTED;
        set_message(message, message_capacity, "the JPEG has neither 1 (grey) nor 3 (colour) components");
        longjmp(errors.jump, 1);
    }
    size_t pixel_bytes = 0;
    int check = checked_pixel_bytes(cinfo.image_width, cinfo.image_height,
                                    (uint64_t)cinfo.num_components, 1, max_pixels, &pixel_bytes);
    if (check != FACTORY_IMAGE_OK) {
        char text[200];
        snprintf(text, sizeof(text), "the JPEG declares %u x %u pixels, above the limit of %llu pixels",
                 (unsigned)cinfo.image_width, (unsigned)cinfo.image_height, (unsigned long long)max_pixels);
        set_message(message, message_capacity, text);
        errors.status = check;
        longjmp(errors.jump, 1);
    }
    out->interlaced = jpeg_has_multiple_scans(&cinfo) ? 1 : 0;
    jpeg_start_decompress(&cinfo);
    uint32_t channels = (uint32_t)cinfo.output_components;
    size_t row_bytes = (size_t)cinfo.output_width * channels;
    if (cinfo.output_width != cinfo.image_width || cinfo.output_height != cinfo.image_height
        || row_bytes * cinfo.output_height != pixel_bytes) {
        set_message(message, message_capacity, "libjpeg reported an unexpected output size");
        longjmp(errors.jump, 1);
    }
    buffers.pixels = (uint8_t *)malloc(pixel_bytes);
    if (buffers.pixels == NULL) {
        errors.status = FACTORY_IMAGE_ERROR_OUT_OF_MEMORY;
        set_message(message, message_capacity, "out of memory for the decoded pixels");
        longjmp(errors.jump, 1);
    }
    while (cinfo.output_scanline < cinfo.output_height) {
        JSAMPROW row = buffers.pixels + (size_t)cinfo.output_scanline * row_bytes;
        if (jpeg_read_scanlines(&cinfo, &row, 1) != 1) {
            errors.status = FACTORY_IMAGE_ERROR_TRUNCATED;
            set_message(message, message_capacity, "the JPEG's image data ended early");
            longjmp(errors.jump, 1);
        }
    }
    jpeg_finish_decompress(&cinfo);
    out->pixels = buffers.pixels;
    out->width = cinfo.output_width;
    out->height = cinfo.output_height;
    out->channels = channels;
    out->bit_depth = 8;
    out->source_bit_depth = (uint32_t)cinfo.data_precision;
    jpeg_destroy_decompress(&cinfo);
    return FACTORY_IMAGE_OK;
}
