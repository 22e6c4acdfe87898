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

    public static void checkTextColumn(String path, String field, Configuration conf) {
        try (ParquetFileReader r = ParquetFileReader.open(HadoopInputFile.fromPath(new Path(path), conf))) {
            ParquetSource.checkTextColumn(r.getFooter().getFileMetaData().getSchema(), field, path);
        } catch (IOException e) {
            throw new BadInputException(path + ": cannot read as Parquet: " + e.getMessage(), e);
        }
    }
}
