package dev.sinklora.prep.record;

import dev.sinklora.model.BadInputException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;

import java.io.IOException;

/** Driver-side check of Parquet inputs, so a wrong {@code --text-field} fails before any task runs. */
public final class ParquetSchemas {
    private ParquetSchemas() {
    }

    /**
     * @throws BadInputException for a file that is not Parquet (wrong {@code --format}, or a name that lies: Parquet's
     *     reader throws a RuntimeException for a missing magic number) or lacks a string column {@code field}
     */
    public static void checkTextColumn(String path, String field, Configuration conf) {
        try (ParquetFileReader r = ParquetFileReader.open(HadoopInputFile.fromPath(new Path(path), conf))) {
            ParquetSource.checkTextColumn(r.getFooter().getFileMetaData().getSchema(), field, path);
        } catch (BadInputException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            String why = e.getMessage() == null ? e.getClass().getSimpleName()
                    : e.getMessage().replace(path + " is not a Parquet file. ", "");
            throw new BadInputException(path + ": not a readable Parquet file (" + why + "); it is read as Parquet "
                    + "because of its .parquet name or --format parquet", e);
        }
    }
}
