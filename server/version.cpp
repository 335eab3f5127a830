#include "server/version.h"

namespace agentry {
const char* version() { return "0.1.0"; }
}  // namespace agentry
