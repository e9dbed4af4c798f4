// Runs the fuzz target over files or directories given on the command line (the corpus and
// the crashers found so far), so the fuzz inputs are replayed by ctest on every build, also
// without libFuzzer. Exit 0 when every input was processed.
#include <dirent.h>
#include <sys/stat.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

int run_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        std::fprintf(stderr, "cannot read %s\n", path.c_str());
        return 1;
    }
    std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(data.data()), data.size());
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    int failures = 0, inputs = 0;
    for (int i = 1; i < argc; ++i) {
        std::string path = argv[i];
        struct stat st {};
        if (stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
            DIR* d = opendir(path.c_str());
            if (!d) return 1;
            while (dirent* e = readdir(d)) {
                if (e->d_name[0] == '.') continue;
                failures += run_file(path + "/" + e->d_name);
                ++inputs;
            }
            closedir(d);
        } else {
            failures += run_file(path);
            ++inputs;
        }
    }
    std::printf("replayed %d inputs\n", inputs);
    return failures == 0 && inputs > 0 ? 0 : 1;
}
