/* The one stb_image implementation (Debian libstb-dev's header), built on
 * its own without -Werror: its style is not ours to police. Only the
 * decoders the converter reads are compiled in. */
#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_JPEG
#define STBI_ONLY_PNG
#define STBI_ONLY_BMP
#define STBI_NO_STDIO
#define STBI_FAILURE_USERMSG
#include <stb_image.h>
