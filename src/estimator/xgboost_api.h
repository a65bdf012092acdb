// A thin RAII layer over XGBoost's C API for the trainer: matrices, boosters, their errors as hwnas Errors.
#pragma once

#include <xgboost/c_api.h>

#include <cmath>
#include <string>
#include <vector>

#include "hwnas/ir/result.h"

namespace hwnas::estimator::detail {

inline Status xgboost_status(int code, const char* what) {
  if (code == 0) return {};
  return Error{std::string("XGBoost: ") + what + ": " + XGBGetLastError()};
}

// A dense row-major float matrix (NaN = missing) with optional base margins.
class Matrix {
 public:
  Matrix() = default;
  Matrix(const Matrix&) = delete;
  Matrix& operator=(const Matrix&) = delete;
  Matrix(Matrix&& other) noexcept : handle_(other.handle_), rows_(other.rows_) { other.handle_ = nullptr; }
  ~Matrix() {
    if (handle_) XGDMatrixFree(handle_);
  }
  static Result<Matrix> create(const std::vector<float>& values, size_t rows, size_t columns) {
    Matrix m;
    if (Status s = xgboost_status(XGDMatrixCreateFromMat(values.data(), rows, columns, NAN, &m.handle_), "creating a matrix");
        !s)
      return s.error();
    m.rows_ = rows;
    return m;
  }
  Status set_float_info(const char* field, const std::vector<float>& values) {
    return xgboost_status(XGDMatrixSetFloatInfo(handle_, field, values.data(), values.size()), field);
  }
  DMatrixHandle handle() const { return handle_; }
  size_t rows() const { return rows_; }

 private:
  DMatrixHandle handle_ = nullptr;
  size_t rows_ = 0;
};

class Booster {
 public:
  Booster() = default;
  Booster(const Booster&) = delete;
  Booster& operator=(const Booster&) = delete;
  Booster(Booster&& other) noexcept : handle_(other.handle_) { other.handle_ = nullptr; }
  ~Booster() {
    if (handle_) XGBoosterFree(handle_);
  }
  static Result<Booster> create(const Matrix& train) {
    Booster b;
    DMatrixHandle handles[1] = {train.handle()};
    if (Status s = xgboost_status(XGBoosterCreate(handles, 1, &b.handle_), "creating a booster"); !s) return s.error();
    return b;
  }
  // An empty booster to load a saved model into.
  static Result<Booster> empty() {
    Booster b;
    if (Status s = xgboost_status(XGBoosterCreate(nullptr, 0, &b.handle_), "creating a booster"); !s) return s.error();
    return b;
  }
  Status set(const std::string& name, const std::string& value) {
    return xgboost_status(XGBoosterSetParam(handle_, name.c_str(), value.c_str()), ("parameter " + name).c_str());
  }
  // One round with the given gradient and hessian per row of `train`.
  Status boost(const Matrix& train, std::vector<float>& grad, std::vector<float>& hess) {
    return xgboost_status(XGBoosterBoostOneIter(handle_, train.handle(), grad.data(), hess.data(), grad.size()),
                          "boosting one round");
  }
  // Margins (base margin included) of every row of `m`; `training` uses the training cache.
  Result<std::vector<float>> margins(const Matrix& m, bool training) const {
    bst_ulong length = 0;
    const float* out = nullptr;
    if (Status s = xgboost_status(XGBoosterPredict(handle_, m.handle(), 1, 0, training ? 1 : 0, &length, &out), "predicting");
        !s)
      return s.error();
    return std::vector<float>(out, out + length);
  }
  Result<std::string> save_json() const {
    bst_ulong length = 0;
    const char* out = nullptr;
    if (Status s = xgboost_status(XGBoosterSaveModelToBuffer(handle_, "{\"format\": \"json\"}", &length, &out), "saving");
        !s)
      return s.error();
    return std::string(out, length);
  }
  Status load_json(const std::string& json) {
    return xgboost_status(XGBoosterLoadModelFromBuffer(handle_, json.data(), json.size()), "loading a model");
  }
  BoosterHandle handle() const { return handle_; }

 private:
  BoosterHandle handle_ = nullptr;
};

}  // namespace hwnas::estimator::detail
