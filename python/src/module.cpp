// The bundlerl._core extension module: BundleRL's C++ core for Python (see python/bundlerl
// for the documented API built on it). bundlerl::Error becomes ValueError: every such error
// is something the caller passed (a bad array, file, config or name).
#include "bindings.h"

namespace bundlerl::python {

void RequireNdim(const py::array& a, int ndim, const char* arg, const char* layout) {
  if (a.ndim() != ndim)
    throw py::value_error(Concat(arg, ": expected ", ndim, " dimensions ", layout, ", got ", a.ndim()));
}

void RequireDim(const py::array& a, int dim, py::ssize_t size, const char* arg, const char* what) {
  if (a.shape(dim) != size)
    throw py::value_error(Concat(arg, ": dimension ", dim, " has ", a.shape(dim), " entries, expected ", size,
                                 " (", what, ")"));
}

}  // namespace bundlerl::python

PYBIND11_MODULE(_core, m) {
  namespace bp = bundlerl::python;
  m.doc() = "BundleRL's C++ core (estimators, logs, simulator, policies, agents)";
  m.attr("__version__") = BUNDLERL_VERSION;
  pybind11::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const bundlerl::Error& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    }
  });
  bp::BindOpe(m);
  bp::BindLogs(m);
  bp::BindEnv(m);
  bp::BindPolicy(m);
  bp::BindSlates(m);
  bp::BindEvaluate(m);
}
