#ifndef MUELLE_CLIBXML2_SHIM_H
#define MUELLE_CLIBXML2_SHIM_H
#include <libxml/xmlversion.h>
/* Debian's libxml2 is built with ICU, so encoding.h would pull in the system <unicode/ucnv.h>, whose
 * `enum UErrorCode` clashes with the newer ICU that Foundation bundles (_FoundationICU) in any module
 * importing both. Swift never touches the ICU converter fields this hides (they only sit at the end of
 * xmlCharEncodingHandler, which muelle uses by pointer at most), so the library's ABI is unaffected. */
#undef LIBXML_ICU_ENABLED
#include <libxml/xmlreader.h>
#include <libxml/parser.h>
#include <libxml/xmlerror.h>
#endif
