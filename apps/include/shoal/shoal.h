/* The native `shoal` import module for C programs built to wasm32-wasi.
 * Reference: docs/abi.md. Every call returns an int32_t: >= 0 on success (0,
 * a handle, or a count), or a negative status (SHOAL_ERR_*, the negated
 * values of kernel/base/status.h). */
#ifndef SHOAL_SHOAL_H_
#define SHOAL_SHOAL_H_

#include <stdint.h>

typedef uint32_t shoal_handle_t;

#define SHOAL_IMPORT(name) __attribute__((import_module("shoal"), import_name(#name)))

/* Errors (negated shoal::Status). */
#define SHOAL_ERR_BAD_HANDLE (-1)
#define SHOAL_ERR_WRONG_TYPE (-2)
#define SHOAL_ERR_ACCESS_DENIED (-3)
#define SHOAL_ERR_INVALID_ARGS (-4)
#define SHOAL_ERR_OUT_OF_BOUNDS (-5)
#define SHOAL_ERR_NO_MEMORY (-6)
#define SHOAL_ERR_PEER_CLOSED (-7)
#define SHOAL_ERR_SHOULD_WAIT (-8)
#define SHOAL_ERR_NOT_FOUND (-9)
/* The node holding the object is unreachable (died, restarted, link cut). */
#define SHOAL_ERR_PEER_GONE (-19)
#define SHOAL_ERR_BAD_STATE (-20)

/* An error in words, for messages: "not found" for SHOAL_ERR_NOT_FOUND. */
static inline const char* shoal_status_text(int32_t status) {
  switch (status) {
    case 0:
      return "ok";
    case SHOAL_ERR_BAD_HANDLE:
      return "bad handle";
    case SHOAL_ERR_WRONG_TYPE:
      return "wrong object type";
    case SHOAL_ERR_ACCESS_DENIED:
      return "access denied";
    case SHOAL_ERR_INVALID_ARGS:
      return "invalid arguments";
    case SHOAL_ERR_OUT_OF_BOUNDS:
      return "out of bounds";
    case SHOAL_ERR_NO_MEMORY:
      return "out of memory";
    case SHOAL_ERR_PEER_CLOSED:
      return "peer closed";
    case SHOAL_ERR_SHOULD_WAIT:
      return "should wait";
    case SHOAL_ERR_NOT_FOUND:
      return "not found";
    case SHOAL_ERR_PEER_GONE:
      return "peer gone (its node is unreachable)";
    case SHOAL_ERR_BAD_STATE:
      return "bad state";
    default:
      return "error";
  }
}

/* Rights. */
#define SHOAL_RIGHT_DUPLICATE (1u << 0)
#define SHOAL_RIGHT_TRANSFER (1u << 1)
#define SHOAL_RIGHT_READ (1u << 2)
#define SHOAL_RIGHT_WRITE (1u << 3)
#define SHOAL_RIGHT_WAIT (1u << 4)
#define SHOAL_RIGHT_MANAGE (1u << 5)

/* Signals. */
#define SHOAL_SIGNAL_READABLE (1u << 0)
#define SHOAL_SIGNAL_WRITABLE (1u << 1)
#define SHOAL_SIGNAL_PEER_CLOSED (1u << 2)
#define SHOAL_SIGNAL_SIGNALED (1u << 3)

/* Flags of the calls that may wait. */
#define SHOAL_WAIT 1u
#define SHOAL_NO_DEADLINE UINT64_MAX
/* user[0] of the packet Terminate queues on a watched port. */
#define SHOAL_TERMINATE_TAG 0x7465726dull

typedef struct shoal_packet {
  uint64_t key;
  uint32_t type; /* 1 = signal, 2 = user */
  uint32_t observed;
  uint64_t user[4];
} shoal_packet_t;

typedef struct shoal_read_actual {
  uint32_t bytes;
  uint32_t handles;
} shoal_read_actual_t;

SHOAL_IMPORT(handle_close) int32_t shoal_handle_close(shoal_handle_t h);
SHOAL_IMPORT(handle_duplicate) int32_t shoal_handle_duplicate(shoal_handle_t h, uint32_t rights);
SHOAL_IMPORT(handle_replace) int32_t shoal_handle_replace(shoal_handle_t h, uint32_t rights);
SHOAL_IMPORT(startup_handle) int32_t shoal_startup_handle(uint32_t index);
/* A File handle (e.g. received over a channel) becomes a WASI fd for read(2),
 * write(2) and lseek(2); the handle moves into the fd. */
SHOAL_IMPORT(fd_from_handle) int32_t shoal_fd_from_handle(shoal_handle_t h);
/* A new File handle to the file a WASI fd (from open(2)) reads; the fd stays
 * open. Send it over a channel to share the file. */
SHOAL_IMPORT(handle_from_fd) int32_t shoal_handle_from_fd(int fd);
SHOAL_IMPORT(object_wait_one)
int32_t shoal_object_wait_one(shoal_handle_t h, uint32_t signals, uint64_t deadline,
                              uint32_t* observed);

SHOAL_IMPORT(channel_create) int32_t shoal_channel_create(shoal_handle_t out[2]);
SHOAL_IMPORT(channel_write)
int32_t shoal_channel_write(shoal_handle_t ch, const void* bytes, uint32_t nbytes,
                            const shoal_handle_t* handles, uint32_t nhandles);
SHOAL_IMPORT(channel_read)
int32_t shoal_channel_read(shoal_handle_t ch, uint32_t flags, void* bytes, uint32_t bytes_cap,
                           shoal_handle_t* handles, uint32_t handles_cap,
                           shoal_read_actual_t* actual);

SHOAL_IMPORT(port_create) int32_t shoal_port_create(void);
SHOAL_IMPORT(port_wait_async)
int32_t shoal_port_wait_async(shoal_handle_t port, shoal_handle_t h, uint32_t signals,
                              uint64_t key);
SHOAL_IMPORT(port_wait)
int32_t shoal_port_wait(shoal_handle_t port, uint32_t flags, shoal_packet_t* packet);
SHOAL_IMPORT(port_cancel) int32_t shoal_port_cancel(shoal_handle_t port, uint64_t key);
SHOAL_IMPORT(port_queue) int32_t shoal_port_queue(shoal_handle_t port, uint64_t user0);

SHOAL_IMPORT(timer_create) int32_t shoal_timer_create(void);
SHOAL_IMPORT(timer_set) int32_t shoal_timer_set(shoal_handle_t timer, uint64_t deadline_ns);
SHOAL_IMPORT(timer_cancel) int32_t shoal_timer_cancel(shoal_handle_t timer);

SHOAL_IMPORT(process_spawn)
int32_t shoal_process_spawn(const void* module, uint32_t module_len, const char* args,
                            uint32_t args_len, const shoal_handle_t* handles, uint32_t nhandles);
/* process_spawn on the node `spawner` stands for: open one with
 * shoal_namespace_open("/nodes/NAME", ...) under shoald. The child runs there
 * with that node's namespace; its output stays in its own log there. */
SHOAL_IMPORT(process_spawn_on)
int32_t shoal_process_spawn_on(shoal_handle_t spawner, const void* module, uint32_t module_len,
                               const char* args, uint32_t args_len, const shoal_handle_t* handles,
                               uint32_t nhandles);
SHOAL_IMPORT(process_wait)
int32_t shoal_process_wait(shoal_handle_t process, uint32_t flags, int32_t* exit_code);
SHOAL_IMPORT(process_terminate) int32_t shoal_process_terminate(shoal_handle_t process);
SHOAL_IMPORT(process_kill) int32_t shoal_process_kill(shoal_handle_t process);
SHOAL_IMPORT(process_watch_terminate)
int32_t shoal_process_watch_terminate(shoal_handle_t port, uint64_t key);

/* Namespaces and devices (docs/abi.md). Paths are absolute and in normal
 * form ("/dev/random"; no "//", ".", ".." or trailing '/'), passed with their
 * length and no NUL. */
SHOAL_IMPORT(namespace_open)
int32_t shoal_namespace_open(const char* path, uint32_t path_len, uint32_t rights,
                             shoal_handle_t* handle_out);
SHOAL_IMPORT(device_read)
int32_t shoal_device_read(shoal_handle_t dev, uint32_t flags, void* buf, uint32_t cap);
SHOAL_IMPORT(device_write)
int32_t shoal_device_write(shoal_handle_t dev, uint32_t flags, const void* buf, uint32_t len);
SHOAL_IMPORT(device_describe)
int32_t shoal_device_describe(shoal_handle_t dev, char* buf, uint32_t cap);
SHOAL_IMPORT(device_control)
int32_t shoal_device_control(shoal_handle_t dev, const void* request, uint32_t request_len,
                             void* reply, uint32_t reply_cap);

/* Cameras (docs/devices.md). A camera handle, from shoal_namespace_open on
 * a camera's path ("/dev/video0"), is one session: its own queue of frames.
 * camera_info needs no right, camera_configure SHOAL_RIGHT_MANAGE, the others
 * SHOAL_RIGHT_READ. */
#define SHOAL_PIXEL_YUYV 1u  /* 2 bytes per pixel: Y0 U Y1 V. */
#define SHOAL_PIXEL_MJPEG 2u /* One JPEG image per frame. */
#define SHOAL_PIXEL_RGB24 3u /* 3 bytes per pixel: R G B. */

/* What shoal_camera_read stores at meta (32 bytes, little-endian). */
typedef struct shoal_camera_meta {
  uint64_t sequence;   /* The camera's frame counter; a gap is a lost frame. */
  uint64_t capture_ns; /* CLOCK_REALTIME ns on the capturing node. */
  uint32_t dropped;    /* Frames this session lost just before this one. */
  uint32_t format;     /* SHOAL_PIXEL_* */
  uint32_t width;
  uint32_t height;
} shoal_camera_meta_t;

/* Text, one "key=value\n" per line: name, driver, mode ("yuyv 640x480 30/1"),
 * frame_bytes, streaming (0/1), sessions, frames, modes (';'-separated).
 * Returns the full length; stores min(cap, length) bytes. */
SHOAL_IMPORT(camera_info)
int32_t shoal_camera_info(shoal_handle_t cam, char* buf, uint32_t cap);
SHOAL_IMPORT(camera_configure)
int32_t shoal_camera_configure(shoal_handle_t cam, uint32_t format, uint32_t width, uint32_t height,
                               uint32_t rate_num, uint32_t rate_den);
SHOAL_IMPORT(camera_start) int32_t shoal_camera_start(shoal_handle_t cam);
SHOAL_IMPORT(camera_stop) int32_t shoal_camera_stop(shoal_handle_t cam);
/* One frame into buf; returns its length. SHOAL_WAIT parks while none is
 * queued; a frame larger than cap stays queued (SHOAL_ERR_OUT_OF_BOUNDS). */
SHOAL_IMPORT(camera_read)
int32_t shoal_camera_read(shoal_handle_t cam, uint32_t flags, void* buf, uint32_t cap,
                          shoal_camera_meta_t* meta);

/* Audio (docs/devices.md). An audio handle, from shoal_namespace_open on a
 * playback ("/dev/audio0") or capture device's path, is one open of it; one
 * open at a time streams. audio_info and audio_status need no right,
 * audio_configure SHOAL_RIGHT_MANAGE, audio_write SHOAL_RIGHT_WRITE,
 * audio_read SHOAL_RIGHT_READ, and audio_start, audio_stop and audio_drain
 * SHOAL_RIGHT_WRITE on a playback device, SHOAL_RIGHT_READ on a capture one. */
#define SHOAL_AUDIO_S16 1u /* Signed 16-bit, little-endian, channels interleaved. */
#define SHOAL_AUDIO_F32 2u /* IEEE float in [-1, 1], little-endian, interleaved. */

/* What shoal_audio_status stores (48 bytes, little-endian). */
typedef struct shoal_audio_status {
  uint32_t started;       /* This handle's stream runs (0/1). */
  uint32_t busy;          /* Another handle's stream runs (0/1). */
  uint64_t frames;        /* Played or captured since start. */
  uint64_t queued_frames; /* In the ring now. */
  uint64_t latency_ns;    /* Queued frames plus one period, in ns. */
  uint64_t xruns;         /* Underruns (playback) or overruns (capture) since start. */
  uint64_t frames_lost;   /* Capture: frames overwritten by overruns since start. */
} shoal_audio_status_t;

/* Text, one "key=value\n" per line: name, driver, direction (playback or
 * capture), config ("s16 48000x2 period 240x4"), frame_bytes, formats,
 * rates (';'-separated), max_channels. Returns the full length; stores
 * min(cap, length) bytes. */
SHOAL_IMPORT(audio_info)
int32_t shoal_audio_info(shoal_handle_t audio, char* buf, uint32_t cap);
SHOAL_IMPORT(audio_status)
int32_t shoal_audio_status(shoal_handle_t audio, shoal_audio_status_t* status);
/* SHOAL_ERR_INVALID_ARGS for values the device does not accept,
 * SHOAL_ERR_BAD_STATE while a stream runs. */
SHOAL_IMPORT(audio_configure)
int32_t shoal_audio_configure(shoal_handle_t audio, uint32_t format, uint32_t rate,
                              uint32_t channels, uint32_t period_frames, uint32_t buffer_periods);
/* SHOAL_ERR_BAD_STATE while another handle streams. */
SHOAL_IMPORT(audio_start) int32_t shoal_audio_start(shoal_handle_t audio);
/* Drops what the ring holds. */
SHOAL_IMPORT(audio_stop) int32_t shoal_audio_stop(shoal_handle_t audio);
/* Playback: returns once every frame written has played. */
SHOAL_IMPORT(audio_drain) int32_t shoal_audio_drain(shoal_handle_t audio);
/* Playback: copies the whole frames of buf that fit the ring; returns how
 * many frames. SHOAL_WAIT parks while the ring is full. */
SHOAL_IMPORT(audio_write)
int32_t shoal_audio_write(shoal_handle_t audio, uint32_t flags, const void* buf, uint32_t len);
/* Capture: whole frames into buf; returns the bytes. *lost is the frames
 * overruns lost just before them. SHOAL_WAIT parks while the ring is empty. */
SHOAL_IMPORT(audio_read)
int32_t shoal_audio_read(shoal_handle_t audio, uint32_t flags, void* buf, uint32_t cap,
                         uint64_t* lost);

/* Writes a message, waiting while the peer's queue is full. */
static inline int32_t shoal_channel_write_wait(shoal_handle_t ch, const void* bytes,
                                               uint32_t nbytes, const shoal_handle_t* handles,
                                               uint32_t nhandles) {
  for (;;) {
    int32_t r = shoal_channel_write(ch, bytes, nbytes, handles, nhandles);
    if (r != SHOAL_ERR_SHOULD_WAIT) return r;
    uint32_t observed = 0;
    r = shoal_object_wait_one(ch, SHOAL_SIGNAL_WRITABLE | SHOAL_SIGNAL_PEER_CLOSED,
                              SHOAL_NO_DEADLINE, &observed);
    if (r < 0) return r;
  }
}

#endif /* SHOAL_SHOAL_H_ */
