// `aimcsim train CONFIG --workload MODEL.onnx [--epochs N] [--rule R] [--out DIR] [--set k=v]...`:
// in-memory training of a network of Dense and Conv layers on Fashion-MNIST (docs/training.md). The config's
// `tile:` says the hardware, its `training:` section the rule and the schedule.
#pragma once

#include <string>
#include <vector>

namespace aimcsim {

// The command line of `aimcsim train` (arguments after the command name). Returns the
// exit status: 0, or 130 when interrupted (SIGINT) after writing the finished epochs.
int run_train_command(const std::vector<std::string>& args);

// What `aimcsim train CONFIG --set ...` checks before training (the config and its
// `training:` section, the workload named by workload.file, the model's layers), for the
// points of a training sweep. InputError on bad input.
void validate_train(const std::string& config, const std::vector<std::string>& overrides);

}  // namespace aimcsim
