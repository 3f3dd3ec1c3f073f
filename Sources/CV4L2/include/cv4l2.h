/// A tiny C shim that makes `<linux/videodev2.h>` usable from Swift.
///
/// Swift imports the V4L2 structs but not the `_IOR/_IOWR` request macros, `v4l2_fourcc`,
/// or the variadic `ioctl`. This header exposes the request numbers as constants and a
/// non-variadic ioctl that retries on EINTR and returns `-errno` on failure.
#ifndef LOUPE_CV4L2_H
#define LOUPE_CV4L2_H

#include <stdint.h>
#include <stddef.h>
#include <linux/videodev2.h>

#ifdef __cplusplus
extern "C" {
#endif

static const unsigned long LOUPE_VIDIOC_QUERYCAP = VIDIOC_QUERYCAP;
static const unsigned long LOUPE_VIDIOC_ENUM_FMT = VIDIOC_ENUM_FMT;
static const unsigned long LOUPE_VIDIOC_G_FMT = VIDIOC_G_FMT;
static const unsigned long LOUPE_VIDIOC_S_FMT = VIDIOC_S_FMT;
static const unsigned long LOUPE_VIDIOC_TRY_FMT = VIDIOC_TRY_FMT;
static const unsigned long LOUPE_VIDIOC_REQBUFS = VIDIOC_REQBUFS;
static const unsigned long LOUPE_VIDIOC_QUERYBUF = VIDIOC_QUERYBUF;
static const unsigned long LOUPE_VIDIOC_QBUF = VIDIOC_QBUF;
static const unsigned long LOUPE_VIDIOC_DQBUF = VIDIOC_DQBUF;
static const unsigned long LOUPE_VIDIOC_STREAMON = VIDIOC_STREAMON;
static const unsigned long LOUPE_VIDIOC_STREAMOFF = VIDIOC_STREAMOFF;
static const unsigned long LOUPE_VIDIOC_G_PARM = VIDIOC_G_PARM;
static const unsigned long LOUPE_VIDIOC_S_PARM = VIDIOC_S_PARM;
static const unsigned long LOUPE_VIDIOC_ENUM_FRAMESIZES = VIDIOC_ENUM_FRAMESIZES;
static const unsigned long LOUPE_VIDIOC_ENUM_FRAMEINTERVALS = VIDIOC_ENUM_FRAMEINTERVALS;
static const unsigned long LOUPE_VIDIOC_QUERYCTRL = VIDIOC_QUERYCTRL;
static const unsigned long LOUPE_VIDIOC_QUERY_EXT_CTRL = VIDIOC_QUERY_EXT_CTRL;
static const unsigned long LOUPE_VIDIOC_QUERYMENU = VIDIOC_QUERYMENU;
static const unsigned long LOUPE_VIDIOC_G_CTRL = VIDIOC_G_CTRL;
static const unsigned long LOUPE_VIDIOC_S_CTRL = VIDIOC_S_CTRL;
static const unsigned long LOUPE_VIDIOC_G_INPUT = VIDIOC_G_INPUT;
static const unsigned long LOUPE_VIDIOC_S_INPUT = VIDIOC_S_INPUT;

static const uint32_t LOUPE_V4L2_CTRL_FLAG_NEXT_CTRL = V4L2_CTRL_FLAG_NEXT_CTRL;
static const uint32_t LOUPE_V4L2_CTRL_FLAG_NEXT_COMPOUND = V4L2_CTRL_FLAG_NEXT_COMPOUND;

/// `v4l2_fourcc(a, b, c, d)`: four ASCII characters packed little-endian.
static inline uint32_t loupe_v4l2_fourcc(char a, char b, char c, char d) {
    return v4l2_fourcc(a, b, c, d);
}

/// `ioctl(fd, request, arg)`, retried on EINTR. Returns the ioctl's result, or `-errno`.
int loupe_v4l2_ioctl(int fd, unsigned long request, void *arg);

/// `open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC)`. Returns the fd, or `-errno`.
int loupe_v4l2_open(const char *path);

/// `mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, offset)`.
/// Returns NULL (not MAP_FAILED) on failure with `*error` set to errno.
void *loupe_v4l2_mmap(int fd, size_t length, int64_t offset, int *error);

/// `poll` one fd for input, retried on EINTR. Returns 1 ready, 0 timeout, or `-errno`;
/// `*revents` receives the returned events (POLLERR/POLLHUP mean the device went away).
int loupe_v4l2_poll_in(int fd, int timeout_ms, short *revents);

#ifdef __cplusplus
}
#endif

#endif
