#pragma once
namespace agentry {
const char* version();
}
