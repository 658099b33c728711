#include "core/plot/gnuplot.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/base/atomic_file.h"

namespace calmspace::plot {
namespace {

namespace fs = std::filesystem;

bool is_executable(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec) && ::access(p.c_str(), X_OK) == 0;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Runs `program script` in `dir`, stderr and stdout to `log`; returns the exit status (or -1).
int run_in(const std::string& program, const std::string& script, const fs::path& dir,
           const fs::path& log) {
  const pid_t pid = ::fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    // Child: only async-signal-safe calls until exec.
    if (::chdir(dir.c_str()) != 0) ::_exit(126);
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      ::close(fd);
    }
    const int null_in = ::open("/dev/null", O_RDONLY);
    if (null_in >= 0) ::dup2(null_in, 0);
    ::execl(program.c_str(), program.c_str(), script.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

std::string find_gnuplot() {
  if (const char* env = std::getenv("CALMSPACE_GNUPLOT"); env && *env) {
    if (is_executable(env)) return fs::absolute(env).string();
    throw GnuplotMissing(cat("$CALMSPACE_GNUPLOT=", env, " is not an executable file"));
  }
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "");
  for (std::string d; std::getline(dirs, d, ':');)
    if (!d.empty() && is_executable(fs::path(d) / "gnuplot")) return (fs::path(d) / "gnuplot");
  throw GnuplotMissing("not found on PATH; install it (Debian: apt-get install gnuplot-nox)");
}

std::string quote(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string common_style() {
  // Okabe-Ito colours: distinguishable with colour-blindness and in greyscale print.
  return "set encoding utf8\n"
         "set grid ytics lc rgb '#dddddd' lw 1 dt 1\n"
         "set border 3 lc rgb '#555555'\n"
         "set tics nomirror textcolor rgb '#333333'\n"
         "set key noenhanced\n"
         "set linetype 1 lc rgb '#0072B2' lw 2 pt 7 ps 1.2\n"
         "set linetype 2 lc rgb '#E69F00' lw 2 pt 5 ps 1.2\n"
         "set linetype 3 lc rgb '#009E73' lw 2 pt 9 ps 1.4\n"
         "set linetype 4 lc rgb '#CC79A7' lw 2 pt 11 ps 1.4\n"
         "set linetype 5 lc rgb '#56B4E9' lw 2 pt 13 ps 1.4\n"
         "set linetype 6 lc rgb '#D55E00' lw 2 pt 15 ps 1.4\n"
         "set linetype 7 lc rgb '#F0E442' lw 2 pt 7 ps 1.2\n"
         "set linetype 8 lc rgb '#777777' lw 2 pt 5 ps 1.2\n"
         "set style fill solid 0.85 border -1\n";
}

std::vector<std::string> render(const Figure& figure, const std::string& dir_name) {
  const std::string gnuplot = find_gnuplot();
  const fs::path dir(dir_name);
  fs::create_directories(dir);
  for (const auto& [file, text] : figure.data) write_text_file_atomic((dir / file).string(), text);

  const std::string tag = cat(".tmp-", ::getpid());
  const std::string png = figure.name + ".png", svg = figure.name + ".svg";
  std::ostringstream gp;
  gp << "# " << figure.name << ": made by CalmSpace (core/plot). Re-run: gnuplot " << figure.name
     << ".gp (in this folder)\n"
     << "png_out = " << quote(png) << "\nsvg_out = " << quote(svg)
     << "\nif (ARGC > 0) { png_out = ARG1; svg_out = ARG2 }\n"
     << "set terminal pngcairo size " << figure.width << "," << figure.height
     << " font 'DejaVu Sans,12' noenhanced\nset output png_out\n"
     << common_style() << figure.body << "\nunset output\nreset\n"
     << "set terminal svg size " << figure.width << "," << figure.height
     << " font 'DejaVu Sans,12' noenhanced background '#ffffff'\nset output svg_out\n"
     << common_style() << figure.body << "\nunset output\n";
  const std::string script = figure.name + ".gp";
  write_text_file_atomic((dir / script).string(), gp.str());

  // The script names its outputs through ARG1/ARG2 so this run can write temporaries.
  const fs::path wrapper = dir / (figure.name + ".gp" + tag);
  write_text_file_atomic(wrapper.string(), cat("call ", quote(script), " ", quote(png + tag), " ",
                                               quote(svg + tag), "\n"));
  const fs::path log = dir / (figure.name + ".log" + tag);
  const int rc = run_in(gnuplot, wrapper.filename().string(), dir, log);
  const std::string errors = read_file(log);
  fs::remove(wrapper);
  fs::remove(log);
  std::vector<std::string> outputs;
  for (const std::string& out : {png, svg}) {
    const fs::path tmp = dir / (out + tag);
    std::error_code ec;
    const bool ok = rc == 0 && fs::is_regular_file(tmp, ec) && fs::file_size(tmp, ec) > 0;
    if (!ok) {
      fs::remove(dir / (png + tag), ec);
      fs::remove(dir / (svg + tag), ec);
      std::string first = errors.empty() ? "no output" : errors;
      while (!first.empty() && (first.back() == '\n' || first.back() == ' ')) first.pop_back();
      throw InputError((dir / script).string(), cat("gnuplot failed (exit ", rc, "): ", first));
    }
  }
  for (const std::string& out : {png, svg}) {
    fs::rename(dir / (out + tag), dir / out);
    outputs.push_back((dir / out).string());
  }
  return outputs;
}

}  // namespace calmspace::plot
