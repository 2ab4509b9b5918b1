// A private directory for the targets whose readers take a path (a root directory of
// /proc and /sys files, an ELF object, a staging directory): created once per process under
// $TMPDIR, emptied before every input, removed at exit. The fuzzer's bytes become files
// there; nothing outside it is touched.
#pragma once

#include <filesystem>
#include <span>
#include <string_view>

namespace hotsplice::fuzzing {

// The process's scratch directory, emptied: call once per input, before writing into it.
const std::filesystem::path& fresh_scratch_dir();

// Writes content to dir/relative, creating parent directories. Aborts when it cannot:
// a fuzzer that silently stops writing its input would report coverage it never had.
void write_scratch_file(const std::filesystem::path& dir, std::string_view relative,
                        std::string_view content);

// Cuts text at each "\n--8<--\n" line and writes part i to files[i]; an empty part (or a
// missing one) leaves that file absent, so inputs can leave out what a reader may lack.
// Seeds stay readable text: one file after another with the scissors between them.
void write_scratch_parts(const std::filesystem::path& dir, std::string_view text,
                         std::span<const std::string_view> files);

}  // namespace hotsplice::fuzzing
