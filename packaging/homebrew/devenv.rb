# Homebrew formula for devenv's release archives.
#
# This file is a template: the release workflow (.github/workflows/release.yml) fills
# @VERSION@ and each @SHA256_…@ from the release's .sha256 files (packaging/homebrew/fill.sh)
# and attaches the result to the release, for a tap:
#   brew install devenv-sh/tap/devenv
class Devenv < Formula
  desc "Same local backing services for every developer of a project, with one command"
  homepage "https://github.com/devenv-sh/devenv"
  version "@VERSION@"
  license "Apache-2.0"

  on_macos do
    url "https://github.com/devenv-sh/devenv/releases/download/v@VERSION@/devenv-@VERSION@-macos-universal.tar.gz"
    sha256 "@SHA256_MACOS_UNIVERSAL@"
  end

  on_linux do
    on_intel do
      url "https://github.com/devenv-sh/devenv/releases/download/v@VERSION@/devenv-@VERSION@-linux-x86_64.tar.gz"
      sha256 "@SHA256_LINUX_X86_64@"
    end
    on_arm do
      url "https://github.com/devenv-sh/devenv/releases/download/v@VERSION@/devenv-@VERSION@-linux-aarch64.tar.gz"
      sha256 "@SHA256_LINUX_AARCH64@"
    end
  end

  def install
    bin.install "bin/devenv"
    # The service kinds are compiled into the binary; a team's own kinds load from folders
    # (.devenv/templates, $DEVENV_TEMPLATES, ~/.config/devenv/templates).
    bash_completion.install "share/bash-completion/completions/devenv"
    zsh_completion.install "share/zsh/site-functions/_devenv"
    fish_completion.install "share/fish/vendor_completions.d/devenv.fish"
    man1.install "share/man/man1/devenv.1"
  end

  def caveats
    <<~EOS
      devenv runs its services on a Docker engine with compose v2: Docker Desktop,
      OrbStack, or Colima (brew install colima docker docker-compose).
    EOS
  end

  test do
    assert_match version.to_s, shell_output("#{bin}/devenv --version")
    assert_match "devenv", shell_output("#{bin}/devenv --help")
  end
end
