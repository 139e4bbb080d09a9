// A valid shared library that is not an aimcsim plugin: no entry points.
extern "C" int some_unrelated_function() { return 42; }
