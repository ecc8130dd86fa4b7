#pragma once

// cascade's version, MAJOR.MINOR.PATCH (semantic versioning; before 1.0 a minor release may break
// the API). CMakeLists.txt reads the project version from these three lines, so they are the one
// place it is written; CHANGELOG.md says what each version changed.
#define CASCADE_VERSION_MAJOR 0
#define CASCADE_VERSION_MINOR 2
#define CASCADE_VERSION_PATCH 0

namespace cascade {

// The version of the headers compiled against, as one number: major * 10000 + minor * 100 + patch.
inline constexpr int version =
    CASCADE_VERSION_MAJOR * 10000 + CASCADE_VERSION_MINOR * 100 + CASCADE_VERSION_PATCH;

}  // namespace cascade
