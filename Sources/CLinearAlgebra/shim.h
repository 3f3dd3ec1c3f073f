// LAPACKE (Debian liblapacke-dev) over OpenBLAS (libopenblas-dev): least squares, symmetric
// eigen decomposition and Cholesky under LoupeProcess's linear algebra; CBLAS for the
// streaming covariance (dsyrk) and matrix products.
#include <cblas.h>
#include <lapacke.h>
