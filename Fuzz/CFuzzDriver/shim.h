#include <stddef.h>
#include <stdint.h>

// libFuzzer's driver, from the runtime `-sanitize=fuzzer` links (no library of its own). SwiftPM renames an
// executable's entry point to `<Module>_main` on Linux, so the fuzz targets start libFuzzer themselves
// instead of using its `main`.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*UserCb)(const uint8_t *Data, size_t Size));
