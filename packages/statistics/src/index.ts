// @korgon/statistics: what server and worker share for anonymised statistics (issue 12).

export * from './dimensions';
export * from './disclosure';
export * from './export-files';
export * from './export-reports';
export * from './export-run';
export * from './reports';
export * from './tables';
