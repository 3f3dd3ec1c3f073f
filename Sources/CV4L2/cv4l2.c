#include "cv4l2.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

int loupe_v4l2_ioctl(int fd, unsigned long request, void *arg) {
    int result;
    do {
        result = ioctl(fd, request, arg);
    } while (result == -1 && errno == EINTR);
    return result == -1 ? -errno : result;
}

int loupe_v4l2_open(const char *path) {
    int fd;
    do {
        fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
    } while (fd == -1 && errno == EINTR);
    return fd == -1 ? -errno : fd;
}

void *loupe_v4l2_mmap(int fd, size_t length, int64_t offset, int *error) {
    void *p = mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)offset);
    if (p == MAP_FAILED) {
        *error = errno;
        return NULL;
    }
    *error = 0;
    return p;
}

int loupe_v4l2_poll_in(int fd, int timeout_ms, short *revents) {
    struct pollfd p = {.fd = fd, .events = POLLIN, .revents = 0};
    int result;
    do {
        result = poll(&p, 1, timeout_ms);
    } while (result == -1 && errno == EINTR);
    *revents = p.revents;
    return result == -1 ? -errno : result;
}
