// hotsplice-build: compiles a kernel twice (before and after a fix) and reports exactly
// which functions and data changed, or compares one given pair of objects.
//
//   hotsplice-build objects [--json] [--module] BEFORE.o AFTER.o
//   hotsplice-build kernel --source TREE|TARBALL --config CONFIG --patch DIFF --output DIR
//                          [--cache DIR] [--jobs N] [--json]
//
// Exit status: 0 changes found, 3 no effective change, 2 a change must be refused, 1 error.
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "kmod/build/command_line.h"

int main(int argc, char** argv) {
  std::vector<std::string> arguments(argv + 1, argv + argc);
  return hotsplice::build::run_command(arguments, std::cout, std::cerr);
}
