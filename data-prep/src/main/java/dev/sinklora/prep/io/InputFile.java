package dev.sinklora.prep.io;

import java.io.Serializable;

/**
 * One input file, as planned on the driver.
 *
 * @param index position in the sorted list of all input files (the document order)
 * @param path fully qualified URI of the file
 * @param format how it is read
 * @param length size in bytes as stored (compressed size for compressed files)
 * @param compressed whether a Hadoop codec decompresses it (then it cannot be split)
 */
public record InputFile(int index, String path, InputFormat format, long length, boolean compressed)
        implements Serializable {
}
