#ifndef MUELLE_CCAIRO_SHIM_H
#define MUELLE_CCAIRO_SHIM_H
/* cairo for label and manifest PDFs; only MuelleLabels/Cairo.swift imports this module. */
#include <cairo.h>
#include <cairo-pdf.h>
#endif
