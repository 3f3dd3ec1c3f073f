#!/usr/bin/env bash
# Integration test of LoupeCapture against the kernel's real V4L2 driver `vivid`:
# boots Debian's stock kernel in qemu (TCG, no KVM needed) with vivid loaded and runs the
# statically linked check Tests/V4L2Guest/Check inside; the guest reports pass/fail through
# isa-debug-exit. Idempotent set-up: packages via scripts/install-deps.sh, the kernel .deb
# via `apt-get download` into .cache/vivid/ (host untouched). Bounded: qemu runs under
# `timeout` (VIVID_TIMEOUT seconds, default 240).
# Prints "vivid: N passed, M failed" (from the guest) and exits non-zero on failure.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh qemu-system-x86 busybox-static kmod cpio

cache=.cache/vivid
mkdir -p "$cache"
package=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
[ -n "$package" ] || { echo "test-vivid: cannot resolve linux-image-amd64 (run apt-get update)"; exit 1; }
version=${package#linux-image-}
root="$cache/root-$version"
if [ ! -f "$root/boot/vmlinuz-$version" ]; then
    if ! ls "$cache/${package}"_*.deb >/dev/null 2>&1; then
        (cd "$cache" && apt-get download "$package")
    fi
    rm -rf "$root.tmp" && dpkg-deb -x "$cache/${package}"_*.deb "$root.tmp" && mv "$root.tmp" "$root"
fi
[ -f "$root/lib/modules/$version/modules.dep" ] || depmod -b "$root" "$version"

# The static guest binary, built for a baseline x86-64 (qemu TCG lacks AVX-512).
LOUPE_TARGET_CPU=x86-64 swift build -c release --scratch-path .build-guest --product loupe-v4l2-check \
    -Xswiftc -static-executable -Xlinker -lm  # libpng16.a needs libm after it
binary=.build-guest/release/loupe-v4l2-check

# initramfs: busybox, /init, vivid's dependency chain in insmod order, the check.
staging="$cache/initramfs"
rm -rf "$staging" && mkdir -p "$staging"/{bin,sbin,proc,sys,dev,lib/modules}
cp /bin/busybox "$staging/bin/busybox"
cp Tests/V4L2Guest/init "$staging/init" && chmod +x "$staging/init"
cp "$binary" "$staging/loupe-v4l2-check"
: > "$staging/lib/modules/order"
modprobe -d "$root" -S "$version" --show-depends vivid | awk '$1 == "insmod" { print $2 }' | while read -r path; do
    name=$(basename "$path")
    cp "$path" "$staging/lib/modules/$name"
    [ "$name" = vivid.ko ] || echo "$name" >> "$staging/lib/modules/order"
done
(cd "$staging" && find . | cpio -o -H newc --quiet | gzip -1) > "$cache/initramfs.cpio.gz"

log="$cache/guest.log"
set +e
timeout "${VIVID_TIMEOUT:-240}" qemu-system-x86_64 -accel tcg -cpu max -m 512M -smp 1 -nographic -no-reboot -nic none \
    -kernel "$root/boot/vmlinuz-$version" -initrd "$cache/initramfs.cpio.gz" \
    -append "console=ttyS0 quiet panic=-1" \
    -device isa-debug-exit,iobase=0xf4,iosize=0x04 </dev/null 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
# isa-debug-exit: guest byte 0 → qemu status 1; anything else → (byte << 1) | 1.
if [ "$status" -eq 1 ]; then
    echo "test-vivid: PASS ($(grep -E '^vivid: ' "$log" | tail -1 | tr -d '\r'))"
    exit 0
elif [ "$status" -eq 124 ]; then
    echo "test-vivid: FAIL: qemu timed out after ${VIVID_TIMEOUT:-240} s (log: $log)"
else
    echo "test-vivid: FAIL: qemu exit status $status (guest status $(( (status - 1) / 2 )), log: $log)"
fi
exit 1
