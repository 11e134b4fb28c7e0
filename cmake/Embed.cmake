# cmake -DIN=FILE -DOUT=FILE.c -DNAME=symbol -DHEADER=header.h -P cmake/Embed.cmake
# Compile a text file (a web page) into the program: const char NAME[] holding its bytes and
# a terminating NUL, so it is written and reviewed as the file it is, not as a C string.
file(READ "${IN}" hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
get_filename_component(source "${IN}" NAME)
file(WRITE "${OUT}"
  "/* Generated from ${source} by cmake/Embed.cmake: edit that file, not this one. */\n"
  "#include \"${HEADER}\"\n\n"
  "const char ${NAME}[] = {${bytes} 0x00};\n")
