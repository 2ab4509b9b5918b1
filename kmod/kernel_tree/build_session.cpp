#include "kmod/kernel_tree/build_session.h"

#include "core/base/file_io.h"
#include "kmod/elfdiff/comparison.h"
#include "kmod/kernel_tree/error_codes.h"
#include "kmod/kernel_tree/line_directives.h"
#include "kmod/kernel_tree/object_build.h"
#include "kmod/kernel_tree/patch_files.h"
#include "kmod/kernel_tree/process.h"
#include "kmod/kernel_tree/tree_lease.h"

namespace hotsplice::kernel_tree {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kMaxPatchBytes = 16 << 20;
// Largest source file read to keep its line numbers (the biggest 6.1 .c is ~3 MB).
constexpr std::size_t kMaxSourceBytes = std::size_t{64} << 20;

// Copies each built object out of the work tree, which the next build overwrites.
Status keep_objects(const fs::path& tree, const std::vector<std::string>& objects,
                    const fs::path& destination) {
  for (const std::string& object : objects) {
    const fs::path target = destination / object;
    if (auto status = ensure_directory(target.parent_path()); !status) return status;
    std::error_code error;
    fs::copy_file(tree / object, target, fs::copy_options::overwrite_existing, error);
    if (error) return io_error("copy " + (tree / object).string(), error.value());
  }
  return Status::ok();
}

Status apply_patch(TreeLease& lease, const PatchFiles& files, const fs::path& patch,
                   const fs::path& log) {
  const fs::path& tree = lease.tree();
  for (const std::string& file : files.files) {
    if (auto status = lease.will_modify(file); !status) return status;
  }
  return run_logged({"patch", "-p" + std::to_string(files.strip), "--forward", "--batch",
                     "--no-backup-if-mismatch", "-i", fs::absolute(patch).string()},
                    tree, log);
}

}  // namespace

Expected<std::vector<elfdiff::ObjectReport>> run_session(const SessionRequest& request) {
  auto diff = read_file(request.patch, kMaxPatchBytes);
  if (!diff) return diff.error().with_context("reading the patch");
  auto files = files_of_patch(*diff);
  if (!files) return files.error();
  auto objects = objects_of(files->files);
  if (!objects) return objects.error();

  if (auto status = ensure_directory(request.output); !status) return status.error();
  const fs::path log = request.output / "build.log";
  auto pristine = prepare_pristine_tree(request.tree, log);
  if (!pristine) return pristine.error();
  // The session builds in the cached tree itself (stable paths: no host tool is rebuilt);
  // the lease puts the pristine files back when it ends.
  auto lease = TreeLease::acquire(*pristine);
  if (!lease) return lease.error();
  const fs::path& work = *pristine;
  // Read again now that the tree can tell which prefix the diff's names carry.
  const FileExists in_tree = [&work](const std::string& path) {
    std::error_code error;
    return fs::is_regular_file(work / path, error);
  };
  files = files_of_patch(*diff, in_tree);
  if (!files) return files.error();
  objects = objects_of(files->files);
  if (!objects) return objects.error();

  if (!request.baseline.empty()) {
    auto baseline = read_file(request.baseline, kMaxPatchBytes);
    if (!baseline) return baseline.error().with_context("reading the baseline patch");
    auto baseline_files = files_of_patch(*baseline, in_tree);
    if (!baseline_files) return baseline_files.error();
    if (auto status = apply_patch(*lease, *baseline_files, request.baseline, log); !status) {
      return status.error();
    }
  }
  const int jobs = request.tree.jobs;
  if (auto status = build_objects(work, *objects, jobs, log); !status) return status.error();
  std::vector<std::string> before_commands;
  for (const std::string& object : *objects) {
    auto command = compile_command_of(work, object);
    if (!command) return command.error();
    before_commands.push_back(*command);
  }
  if (auto status = keep_objects(work, *objects, request.output / "before"); !status) {
    return status.error();
  }
  // What each C file said before the patch: unchanged code keeps those line numbers.
  std::vector<std::pair<std::string, std::string>> originals;
  for (const std::string& file : files->files) {
    if (!file.ends_with(".c")) continue;
    auto original = read_file(work / file, kMaxSourceBytes);
    if (!original) return original.error().with_context("reading " + file);
    originals.emplace_back(file, std::move(*original));
  }
  if (auto status = apply_patch(*lease, *files, request.patch, log); !status) return status.error();
  for (const auto& [file, original] : originals) {
    if (auto status = add_line_directives(work / file, original, request.output / "original.c");
        !status) {
      return status.error().with_context("keeping the line numbers of " + file);
    }
  }
  if (auto status = build_objects(work, *objects, jobs, log); !status) return status.error();
  if (auto status = keep_objects(work, *objects, request.output / "after"); !status) {
    return status.error();
  }

  std::vector<elfdiff::ObjectReport> reports;
  for (std::size_t i = 0; i < objects->size(); ++i) {
    const std::string& object = (*objects)[i];
    auto command = compile_command_of(work, object);
    if (!command) return command.error();
    if (*command != before_commands[i]) {
      return Error(errc::kBuildMismatch,
                   object + " was compiled with different flags after the patch");
    }
    auto binary = binary_of_command(*command);
    if (!binary) return binary.error().with_context(object);
    elfdiff::CompareOptions options;
    options.object_is_module = *binary != "vmlinux";
    options.requires_ftrace = true;
    auto report = elfdiff::compare_object_files(request.output / "before" / object,
                                                request.output / "after" / object, object, options);
    if (!report) return report.error();
    report->binary = *binary;
    reports.push_back(std::move(*report));
  }
  if (auto status = lease->restore(); !status) return status.error();
  return reports;
}

}  // namespace hotsplice::kernel_tree
