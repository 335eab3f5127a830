#include <cstdio>
int main() {
  std::puts("agentry");
  return 0;
}
