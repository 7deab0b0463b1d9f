#pragma once

namespace rsolv::app {

/// Raises the soft limit on open files to the hard limit (every connection is a descriptor) and logs both.
void raiseOpenFilesLimit();

}  // namespace rsolv::app
