// The system CBLAS interface. On Debian, libopenblas-dev provides <cblas.h>
// (via the alternatives system) and makes OpenBLAS the libblas.so.3 loaded at run time;
// libblas-dev is the reference fallback. See README "Which BLAS is loaded".
#include <cblas.h>
