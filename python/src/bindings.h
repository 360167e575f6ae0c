// Shared pieces of the bundlerl._core extension: the per-area binding functions that
// module.cpp calls, and the numpy helpers every area uses (arrays that take over a
// std::vector without copying, input arrays read in place when their dtype allows, and
// shape checks whose errors name the Python argument).
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <string>
#include <vector>

#include "common/error.h"

namespace bundlerl::python {

namespace py = pybind11;

void BindOpe(py::module_& m);
void BindLogs(py::module_& m);
void BindEnv(py::module_& m);
void BindPolicy(py::module_& m);
void BindSlates(py::module_& m);
void BindEvaluate(py::module_& m);

// A numpy array that owns `v`'s buffer (moved, not copied), with the given shape.
template <typename T>
py::array_t<T> TakeVector(std::vector<T>&& v, std::vector<py::ssize_t> shape) {
  auto* owned = new std::vector<T>(std::move(v));
  py::capsule owner(owned, [](void* p) { delete static_cast<std::vector<T>*>(p); });
  return py::array_t<T>(std::move(shape), owned->data(), owner);
}

// `obj` as a C-contiguous array of T: the same buffer when it already is one (no copy),
// otherwise a converted copy. Throws ValueError naming `arg` when it cannot be converted.
template <typename T>
py::array_t<T, py::array::c_style> InputArray(const py::handle& obj, const char* arg) {
  // Booleans, integers and reals convert; strings, bytes, complex and objects do not (numpy
  // would parse "1" as a number, or drop an imaginary part).
  const py::array raw = py::array::ensure(obj);
  if (raw) {
    const char kind = raw.dtype().kind();
    if (kind != 'b' && kind != 'i' && kind != 'u' && kind != 'f')
      throw py::value_error(Concat(arg, ": expected an array of real numbers, got dtype ",
                                   std::string(py::str(raw.dtype()))));
  }
  auto a = py::array_t<T, py::array::c_style | py::array::forcecast>::ensure(raw ? py::handle(raw) : obj);
  if (!a) throw py::value_error(Concat(arg, ": expected an array of numbers"));
  return a;
}

// Throws ValueError naming `arg` unless `a` has `ndim` dimensions.
void RequireNdim(const py::array& a, int ndim, const char* arg, const char* layout);
// Throws ValueError naming `arg` unless dimension `dim` of `a` has `size` entries.
void RequireDim(const py::array& a, int dim, py::ssize_t size, const char* arg, const char* what);

}  // namespace bundlerl::python
