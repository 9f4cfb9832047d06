import { BoardAttention, BoardCharts, BoardFigures } from '@korgon/domain';
import { api } from '../../lib/api';

/** The board's reads (docs/board.md): figures and charts for the numbers, attention for the lists. */
export const boardApi = {
  figures: () => api.get('/api/board/figures', { parse: BoardFigures }),
  attention: () => api.get('/api/board/attention', { parse: BoardAttention }),
  charts: () => api.get('/api/board/charts', { parse: BoardCharts }),
};
