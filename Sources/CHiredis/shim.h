#ifndef DEJA_CHIREDIS_SHIM_H
#define DEJA_CHIREDIS_SHIM_H

// hiredis 0.14.1 (libhiredis-dev): RESP2 only. DejaRedis calls it through
// Sources/DejaRedis/HiredisContext.swift and nowhere else.
#include <hiredis/hiredis.h>

#endif
