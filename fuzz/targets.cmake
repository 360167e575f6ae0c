# The fuzz targets (fuzz/NAME_fuzz.cpp) and the project sources each one reads input with,
# shared by the libFuzzer build (fuzz/CMakeLists.txt, clang) and the corpus replayers of the
# main build (CMakeLists.txt). Each target's corpus is tests/fuzz_corpus/NAME.
set(BUNDLERL_FUZZ_TARGETS csv obd bundles amazon ini targets h5)
# Sources of the parsing libraries, relative to the project root: only what the targets
# reach, so that the clang build stays small (no LibTorch, no simulator).
set(BUNDLERL_FUZZ_COMMON common/csv.cpp common/options.cpp common/atomic_file.cpp common/memory.cpp)
set(BUNDLERL_FUZZ_DATASET dataset/dataset.cpp dataset/importers.cpp)
set(BUNDLERL_FUZZ_OPE ope/offline_eval.cpp ope/reward_model.cpp)
set(BUNDLERL_FUZZ_REPLAY replay/h5.cpp replay/log_store.cpp replay/log_summary.cpp replay/row_columns.cpp)
set(BUNDLERL_FUZZ_INI cli/options.cpp)
