// XGBoost's C API (Debian libxgboost-dev): gradient-boosted trees with monotone constraints,
// behind LoupeProcess.BoostedTrees.
#include <xgboost/c_api.h>
