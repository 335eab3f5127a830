#include "server/cli/commands.h"
#include <stdexcept>
namespace agentry::cli {
int serve_command(int, char**) { throw std::runtime_error("serve is not built yet"); }
int migrate_command(int, char**) { throw std::runtime_error("migrate is not built yet"); }
}  // namespace agentry::cli
