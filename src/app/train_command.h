// `aimcsim train CONFIG --workload MODEL.onnx [--epochs N] [--rule R] [--out DIR] [--set k=v]...`:
// in-memory training of a Dense network on Fashion-MNIST (docs/training.md). The config's
// `tile:` says the hardware, its `training:` section the rule and the schedule.
#pragma once

#include <string>
#include <vector>

namespace aimcsim {

// The command line of `aimcsim train` (arguments after the command name). Returns the
// exit status: 0, or 130 when interrupted (SIGINT) after writing the finished epochs.
int run_train_command(const std::vector<std::string>& args);

}  // namespace aimcsim
