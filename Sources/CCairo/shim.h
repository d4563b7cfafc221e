#ifndef MUELLE_CCAIRO_SHIM_H
#define MUELLE_CCAIRO_SHIM_H
/* cairo for label and manifest PDFs; only MuelleLabels/Cairo.swift imports this module. */
#include <cairo.h>
#include <cairo-pdf.h>
/* cairo on FreeType: the label font is loaded once without its hinting instructions. */
#include <cairo-ft.h>
#include <ft2build.h>
#include FT_FREETYPE_H
#include FT_TRUETYPE_TABLES_H
#endif
