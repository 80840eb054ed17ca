/*
** memcmp a word at a time. wasi-libc's compares byte by byte, and SQLite
** calls memcmp on every read transaction (the 16-byte file header and
** change counter) and in every text or blob key comparison: this one takes
** a quarter of the instructions there (what the metered module counts)
** and runs faster compiled.
*/
__attribute__((noinline)) int memcmp(const void *vl, const void *vr, size_t n){
  const unsigned char *l = vl, *r = vr;
  for(; n>=8; n-=8, l+=8, r+=8){
    uint64_t a, b;
    __builtin_memcpy(&a, l, 8);
    __builtin_memcpy(&b, r, 8);
    if( a!=b ) break;
  }
  for(; n; n--, l++, r++){
    if( *l!=*r ) return *l - *r;
  }
  return 0;
}
