# The dependency rules between BundleRL's libraries, checked on every build (the `layering`
# target) and by the `layering` test: a file in folder F may include project headers only
# from the folders F may depend on, and some folders may not include certain system headers
# at all. Run: cmake -DSOURCE_DIR=<checkout> -P cmake/check_layering.cmake
#
#   common                          (the bottom: errors, CSV, generators, executor, registries)
#   dataset  -> common              (the in-memory logged dataset and the importers)
#   ope      -> common, dataset     (estimators: no HDF5, no LibTorch, no c10d)
#   kernels  -> common, dataset
#   env      -> common, dataset, kernels, ope   (ope for the choice-model fit of fitted worlds)
#   policy   -> common, dataset, kernels, ope, env   (env for the fitted shopper model)
#   agents   -> common, dataset, kernels, env, policy, ope
#   replay   -> common, dataset     (the HDF5 store)
#   distributed -> common           (c10d behind common/reduction.h)
#   graph    -> common, dataset, kernels, replay   (graph embeddings in LibTorch, saved as HDF5)
#   harness  -> all of the above
#   cli      -> all of the above and harness
#   python   -> all of the above but cli and distributed (the pybind11 module, python/src;
#               no LibTorch headers: the module reaches the agents through torch-free APIs)
#   fuzz     -> common, dataset, ope, replay, cli (the libFuzzer targets: the readers only)
if(NOT SOURCE_DIR)
  message(FATAL_ERROR "check_layering: pass -DSOURCE_DIR=<checkout>")
endif()

set(allowed_common common)
set(allowed_dataset common dataset)
set(allowed_ope common dataset ope)
set(allowed_kernels common dataset kernels)
set(allowed_env common dataset kernels ope env)
set(allowed_policy common dataset kernels ope env policy)
set(allowed_agents common dataset kernels env policy ope agents)
set(allowed_replay common dataset replay)
set(allowed_distributed common distributed)
set(allowed_graph common dataset kernels replay graph)
set(allowed_harness common dataset kernels env policy ope agents replay graph harness)
set(allowed_cli common dataset kernels env policy ope agents replay graph harness distributed cli)
set(allowed_python common dataset kernels env policy ope agents replay graph harness)
set(allowed_fuzz common dataset ope replay cli fuzz)

# System headers a folder must not include (regular expressions).
set(forbidden_common "<torch/|<hdf5|<H5|c10d|<Eigen")
set(forbidden_dataset "<torch/|<hdf5|<H5|c10d")
set(forbidden_ope "<torch/|<hdf5|<H5|c10d")
set(forbidden_kernels "<torch/|<hdf5|<H5|c10d")
set(forbidden_env "<torch/|<hdf5|<H5|c10d")
set(forbidden_replay "<torch/|c10d")
set(forbidden_python "<torch/|c10d")
set(forbidden_fuzz "<torch/|c10d")
# Where a folder's sources are, when not in the folder itself.
set(sources_python python/src)

set(violations "")
foreach(folder common dataset ope kernels env policy agents replay distributed graph harness cli python fuzz)
  set(dir "${folder}")
  if(DEFINED sources_${folder})
    set(dir "${sources_${folder}}")
  endif()
  file(GLOB sources "${SOURCE_DIR}/${dir}/*.h" "${SOURCE_DIR}/${dir}/*.cpp")
  if(NOT sources)
    message(FATAL_ERROR "layering: no sources in ${dir}/ (cmake/check_layering.cmake is out of date)")
  endif()
  foreach(source ${sources})
    file(STRINGS "${source}" includes REGEX "^[ \t]*#[ \t]*include")
    file(RELATIVE_PATH rel "${SOURCE_DIR}" "${source}")
    foreach(line ${includes})
      if(line MATCHES "#[ \t]*include[ \t]+\"([a-z_]+)/")
        set(dep "${CMAKE_MATCH_1}")
        list(FIND allowed_${folder} "${dep}" found)
        if(found EQUAL -1)
          string(APPEND violations "\n  ${rel}: ${folder}/ may not include ${dep}/ (${line})")
        endif()
      endif()
      if(DEFINED forbidden_${folder} AND line MATCHES "${forbidden_${folder}}")
        string(APPEND violations "\n  ${rel}: ${folder}/ may not include ${line}")
      endif()
    endforeach()
  endforeach()
endforeach()

if(violations)
  message(FATAL_ERROR "layering: dependency rules broken (cmake/check_layering.cmake):${violations}")
endif()
message(STATUS "layering: every include follows the dependency rules")
