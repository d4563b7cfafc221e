#ifndef MUELLE_CPCRE2_SHIM_H
#define MUELLE_CPCRE2_SHIM_H
/* The 8-bit library: muelle matches UTF-8 text. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

/* pcre2.h names every function and type through a token-pasting macro (pcre2_compile is pcre2_compile_8),
 * and spells PCRE2_UNSET and PCRE2_ZERO_TERMINATED as casts: Swift imports neither. Each wrapper below is
 * that macro as a real function, prefixed `muelle_` so it can never collide with a future PCRE2 symbol.
 * Nothing here adds behaviour. */

typedef pcre2_code muelle_pcre2_code;
typedef pcre2_match_context muelle_pcre2_match_context;
typedef pcre2_match_data muelle_pcre2_match_data;

static inline size_t muelle_pcre2_unset(void) { return PCRE2_UNSET; }

static inline pcre2_code *muelle_pcre2_compile(const unsigned char *pattern, size_t length, uint32_t options,
                                               int *error, size_t *offset) {
    return pcre2_compile(pattern, length, options, error, offset, NULL);
}

static inline void muelle_pcre2_code_free(pcre2_code *code) { pcre2_code_free(code); }

static inline uint32_t muelle_pcre2_capture_count(const pcre2_code *code) {
    uint32_t count = 0;
    pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &count);
    return count;
}

/* Named groups: PCRE2_INFO_NAMETABLE is a table of entries, each the group number in two bytes (high
 * first) and the name, zero-terminated, padded to the entry size. */
static inline uint32_t muelle_pcre2_name_count(const pcre2_code *code) {
    uint32_t count = 0;
    pcre2_pattern_info(code, PCRE2_INFO_NAMECOUNT, &count);
    return count;
}

static inline uint32_t muelle_pcre2_name_entry_size(const pcre2_code *code) {
    uint32_t size = 0;
    pcre2_pattern_info(code, PCRE2_INFO_NAMEENTRYSIZE, &size);
    return size;
}

static inline const unsigned char *muelle_pcre2_name_table(const pcre2_code *code) {
    PCRE2_SPTR table = NULL;
    pcre2_pattern_info(code, PCRE2_INFO_NAMETABLE, &table);
    return table;
}

static inline int muelle_pcre2_error_message(int error, unsigned char *buffer, size_t length) {
    return pcre2_get_error_message(error, buffer, length);
}

static inline pcre2_match_context *muelle_pcre2_match_context_create(uint32_t match_limit, uint32_t depth_limit,
                                                                     uint32_t heap_limit_kib) {
    pcre2_match_context *context = pcre2_match_context_create(NULL);
    if (context == NULL) return NULL;
    pcre2_set_match_limit(context, match_limit);
    pcre2_set_depth_limit(context, depth_limit);
    pcre2_set_heap_limit(context, heap_limit_kib);
    return context;
}

static inline void muelle_pcre2_match_context_free(pcre2_match_context *context) {
    pcre2_match_context_free(context);
}

static inline pcre2_match_data *muelle_pcre2_match_data_create(const pcre2_code *code) {
    return pcre2_match_data_create_from_pattern(code, NULL);
}

static inline void muelle_pcre2_match_data_free(pcre2_match_data *data) { pcre2_match_data_free(data); }

static inline int muelle_pcre2_match(const pcre2_code *code, const unsigned char *subject, size_t length,
                                     uint32_t options, pcre2_match_data *data, pcre2_match_context *context) {
    return pcre2_match(code, subject, length, 0, options, data, context);
}

static inline size_t *muelle_pcre2_ovector(pcre2_match_data *data) { return pcre2_get_ovector_pointer(data); }

static inline int muelle_pcre2_substitute(const pcre2_code *code, const unsigned char *subject, size_t length,
                                          uint32_t options, pcre2_match_data *data, pcre2_match_context *context,
                                          const unsigned char *replacement, size_t replacement_length,
                                          unsigned char *output, size_t *output_length) {
    return pcre2_substitute(code, subject, length, 0, options, data, context, replacement, replacement_length,
                            output, output_length);
}

#endif
