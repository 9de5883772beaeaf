/* Compiled by run_fuzz.sh (clang-19 -c -O1 -fPIC) into a small ELF seed for
   fuzz_elf that has each relocation kind the loader supports: PLT32 calls to
   an external function (a stub), GOTPCREL loads of an external object, PC32
   references to local constants, R_X86_64_64 in a table of pointers, and a
   writable .data and a .bss. */
extern float expf(float);
extern int external_counter;
static const float table[4] = {1.0f, 2.0f, 3.0f, 4.0f};
float scratch[16];
float bias = 0.5f;
const float* pointers[2] = {&table[0], &table[2]};

void ingot_kernel_0(float* const* bindings, long begin, long end, void* unused) {
  for (long i = begin; i < end; ++i) {
    scratch[i & 15] = expf(bindings[0][i] + table[i & 3] + *pointers[i & 1]) + bias;
    bindings[1][i] = scratch[i & 15] + (float)external_counter;
  }
}
