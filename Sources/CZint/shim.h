#ifndef MUELLE_CZINT_SHIM_H
#define MUELLE_CZINT_SHIM_H
/* zint barcodes (Code 128, QR) for labels; only MuelleLabels/Barcode.swift imports this module. */
#include <zint.h>
#endif
