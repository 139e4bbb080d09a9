// Catch2 entry point. SystemC owns main() in a simulation binary, so tests call
// Catch's session from sc_main and each SystemC test elaborates its own modules.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#include <systemc>

int sc_main(int argc, char* argv[]) { return Catch::Session().run(argc, argv); }
