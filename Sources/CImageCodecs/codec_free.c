#include "loupe_image_codecs.h"
#include <stdlib.h>

void loupe_codec_free(void *pointer) { free(pointer); }
