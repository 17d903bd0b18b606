/* SPDX-License-Identifier: GPL-2.0 */
/*
 * many_sections.S - 70000 one-byte allocated sections (.rodata.kfb_many.<n>), so that an
 * `ld -r` object holding them needs extended section numbering: e_shnum = 0 and e_shstrndx =
 * SHN_XINDEX with the real values in section header 0, and symbols of later sections
 * (.BTF_ids, .text.*) carry st_shndx = SHN_XINDEX with the index in .symtab_shndx, as in a
 * vmlinux.o built with -ffunction-sections -fdata-sections. Linked first, so every section of
 * the kfunc CUs gets an index above 65535.
 */
.macro kfb_one_section
.pushsection .rodata.kfb_many.\@,"a"
.byte 0
.popsection
.endm

.rept 70000
kfb_one_section
.endr
