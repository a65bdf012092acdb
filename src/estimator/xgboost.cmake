# XGBoost's C API for the estimator (Debian's libxgboost-dev). Debian's CMake package config
# also imports the `xgboost` command-line program, which is in another package, and fails
# without it; so the library and header are found directly as the imported target xgboost::xgboost.
if(NOT TARGET xgboost::xgboost)
  find_path(HWNAS_XGBOOST_INCLUDE_DIR xgboost/c_api.h)
  find_library(HWNAS_XGBOOST_LIBRARY NAMES xgboost)
  if(NOT HWNAS_XGBOOST_INCLUDE_DIR OR NOT HWNAS_XGBOOST_LIBRARY)
    message(FATAL_ERROR "XGBoost's C API (xgboost/c_api.h, libxgboost) was not found: apt-get install libxgboost-dev")
  endif()
  add_library(xgboost::xgboost SHARED IMPORTED GLOBAL)
  set_target_properties(xgboost::xgboost PROPERTIES IMPORTED_LOCATION ${HWNAS_XGBOOST_LIBRARY}
                                                    INTERFACE_INCLUDE_DIRECTORIES ${HWNAS_XGBOOST_INCLUDE_DIR})
endif()
